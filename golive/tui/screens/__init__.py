"""The screens: the run screen (its panes in run_layout, its keys in run), the review, the
dialogs and the one help screen."""
