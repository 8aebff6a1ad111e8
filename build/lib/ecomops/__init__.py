"""ecomops: the analysis package behind the E-commerce Operations Playbook."""

__version__ = "0.1.0"
