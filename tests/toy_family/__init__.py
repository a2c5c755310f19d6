"""A toy model family for tests: a folder plus one `families.register` line, to show that the command line
drives a new kind of model without a single branch for it."""
