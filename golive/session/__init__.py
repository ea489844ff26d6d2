"""The run in progress: the session (journal first, then state, then listeners), the
conductor that starts steps and records answers, step execution, the answers given
without a person, variables, and the one run loop that the console, the run screen
and the drill all plug into.

Layering: golive.core ← golive.io ← golive.session ← golive.console / golive.tui /
golive.report ← golive.commands (checked by import-linter, see pyproject.toml).
"""
