"""portlint: find the breaks in the Ingress → Service → targetPort → pod → containerPort chain before deploy."""

__version__ = "0.1.0"
