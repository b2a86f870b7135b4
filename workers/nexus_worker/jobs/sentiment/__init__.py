"""Review sentiment: a rule-based analyser (lexicon, negation, intensity, contrast) and the job around it."""
