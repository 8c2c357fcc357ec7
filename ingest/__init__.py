"""Building the knowledge base: read files, extract metadata, chunk, and hand chunks to the
``KnowledgeBase`` (which embeds and stores them). Nothing here serves queries."""
