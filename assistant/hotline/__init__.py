"""The 12345 hotline copilot: classification, field extraction, suggestions (speech recognition is ``assistant.speech``)."""
