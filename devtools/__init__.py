"""Development-only tools: the platform emulator. Production code never imports this package."""
