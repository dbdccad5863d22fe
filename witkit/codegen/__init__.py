"""Code generation from the resolved WIT model: host bindings and guest skeletons."""
