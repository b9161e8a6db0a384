"""vpix: a software Cisco PIX/ASA security appliance."""

__version__ = "0.1.0"
