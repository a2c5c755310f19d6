"""`python -m musicvae_lite` is the `mvae` command line."""

from musicvae_lite.cli import main

if __name__ == "__main__":
    main()
