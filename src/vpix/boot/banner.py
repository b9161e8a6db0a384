"""What the console shows while a unit boots, per hardware line and version family."""

from __future__ import annotations

from vpix.hardware.catalog import Platform
from vpix.image.format import ImageInfo

CISCO_LOGO = """\
-----------------------------------------------------------------------
                              ||        ||
                              ||        ||
                             ||||      ||||
                         ..:||||||:..:||||||:..
                        c i s c o S y s t e m s
                        Private Internetwork Exchange
-----------------------------------------------------------------------"""


def bios(hw: Platform, ram_mb: int) -> list[str]:
    if hw.line == "asa":
        return ["", "Booting system, please wait...", "",
                "CISCO SYSTEMS",
                "Embedded BIOS Version 1.0(11)2 01/25/06 13:21:26.17", "",
                "Low Memory: 631 KB", f"High Memory: {ram_mb - 1} MB",
                "PCI Device Table.", "",
                "Evaluating BIOS Options ...",
                "Launch BIOS Extension to setup ROMMON", "",
                "Cisco Systems ROMMON Version (1.0(11)2) #0: Thu Jan 26 10:43:08 PST 2006", "",
                "Platform " + hw.model, "",
                "Use BREAK or ESC to interrupt boot.",
                "Use SPACE to begin boot immediately."]
    return ["", "CISCO SYSTEMS PIX FIREWALL",
            "Embedded BIOS Version 4.3.207 01/02/02 16:12:22.73",
            "Compiled by morlee", f"{ram_mb} MB RAM", "",
            "Cisco Secure PIX Firewall BIOS (4.2) #0: Mon Dec 31 08:34:35 PST 2001",
            f"Platform {hw.model}",
            f"System Flash={hw.flash_chip}", "",
            "Use BREAK or ESC to interrupt flash boot.",
            "Use SPACE to begin flash boot immediately."]


def loading(hw: Platform, name: str, image: ImageInfo) -> list[str]:
    if hw.line == "asa":
        return ["Launching BootLoader...", "Boot configuration file contains 1 entry.", "",
                f"Loading disk0:/{name}... Booted", ""]
    return [f"Reading {image.size} bytes of image from flash.",
            "#" * min(70, max(1, image.size // 75000)), ""]


def os_banner(hw: Platform, image: ImageInfo, ram_mb: int) -> list[str]:
    if image.family == "6.x":
        return ["", f"{ram_mb}MB RAM", "", CISCO_LOGO, "",
                "                Cisco PIX Firewall", "",
                f"Cisco PIX Firewall Version {image.version}", ""]
    title = "Cisco Adaptive Security Appliance Software" if hw.line == "asa" else \
        "Cisco PIX Security Appliance Software"
    return ["", CISCO_LOGO, "",
            f"                 {title} Version {image.version}", "",
            "  ****************************** Warning *******************************",
            "  This product contains cryptographic features and is",
            "  subject to United States and local country laws",
            "  governing, import, export, transfer, and use.",
            "  ******************************* Warning *******************************", "",
            "Copyright (c) 1996-2006 by Cisco Systems, Inc.", "",
            "                Restricted Rights Legend", ""]


def compatibility_warning(config_version: str, image_version: str) -> list[str]:
    return ["Configuration Compatibility Warning:",
            f" The config is from version {config_version}.",
            f" but the image is version {image_version}.", ""]
