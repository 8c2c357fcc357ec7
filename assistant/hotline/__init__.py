"""The 12345 hotline copilot: speech recognition, classification, field extraction."""
