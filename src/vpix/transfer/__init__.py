"""File transfer protocols the device is a client of (TFTP, FTP, HTTP). Protocol cores are
sans-IO: bytes and time in, actions out; the asyncio glue lives beside each core."""
