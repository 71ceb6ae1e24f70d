"""The labs (backprop, losses, optimizers): their controls, their pure figure builders and prose."""
