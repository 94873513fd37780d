"""The notebook front: the kernel's default runtime, the %%lambda and %lambda magics and
their parsed requests, the lambdakit kernel, and the widgets."""
