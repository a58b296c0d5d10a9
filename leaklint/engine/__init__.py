"""The run engine, language-neutral: discovery -> plan -> work units -> pool -> cache and
run records. It reaches a language only through leaklint.languages."""
