"""These are submissions to grade, not tests: never import or run them here (some exit,
fork, flood or search the disk when imported). The test_grading_*.py files grade them in
the sandbox."""

collect_ignore_glob = ["*"]
