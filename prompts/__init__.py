"""Prompt templates as data (Chinese), shipped as package data and read by
``assistant.answering.prompts`` through ``importlib.resources``; see README.md here."""
