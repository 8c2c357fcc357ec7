"""Front ends: the citizen web page, the agent panel and the Gradio staff console. They are clients
of the HTTP API and never import models or stores."""
