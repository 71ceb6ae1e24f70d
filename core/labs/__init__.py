"""Small, exact models behind the teaching labs: a scalar autograd graph, 2-D loss surfaces raced
by torch optimizers, and loss functions with their gradients. No UI here; pages draw these numbers.
"""
