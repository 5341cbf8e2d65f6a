"""RQ jobs, their enqueueing, the reconciler and the worker that runs them."""
