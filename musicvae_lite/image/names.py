"""The image family's name, low in the package so that its family, task and generation modules import it
without importing each other (the family imports them lazily; they import this). Imports nothing."""

FAMILY = "image"  # the `task.family` a checkpoint of these models carries
