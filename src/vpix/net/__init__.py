"""The wire: Ethernet frames, ports, segments, and small ARP/IPv4/UDP/ICMP codecs."""
