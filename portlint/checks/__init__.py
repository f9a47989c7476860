"""Rule functions, one per catalog file in rules/, grouped by what they look at.

Each function is registered with `@rule("<id>")`, receives the whole cluster model and the run's
settings, and yields findings on the object that has to change. Modules here are imported
automatically; adding a rule means adding its YAML file and its function, nothing else.
"""
