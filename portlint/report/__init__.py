"""Reporters: a Report → text for people or a stable format for tools. One module per format."""
