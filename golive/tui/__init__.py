"""The cutover TUI: one screen that reflects the run and sends operator intents."""
