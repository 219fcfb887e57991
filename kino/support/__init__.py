"""Plain-Python building blocks any layer may use: no I/O, nothing imported from the rest of
Kino (the lowest layer, below the domain)."""
