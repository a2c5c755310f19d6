"""Image autoencoders on MNIST-format data (see the image module issue)."""
