"""Evaluation sets and how to score them: the code behind ``govassist bench``.

Each bench builds what it measures in a temporary directory from the data it is given, runs
the real pipeline, and returns rows of figures; the CLI prints them as a table or JSON.
"""
