/*
 * fake_libcuda.c: a stand-in for the CUDA driver (SONAME libcuda.so.1) of a 1-GPU box, for
 * test_vdev: cuDevicePrimaryCtxGetState knows device 0 only, as the real driver would.
 */
__attribute__((visibility("default"))) int cuDevicePrimaryCtxGetState(int dev, unsigned int *flags,
								      int *active);
__attribute__((visibility("default"))) int cuDevicePrimaryCtxGetState(int dev, unsigned int *flags,
								      int *active)
{
	if (dev != 0)
		return 101;	/* CUDA_ERROR_INVALID_DEVICE */
	*flags = 0;
	*active = 7;		/* a mark the test recognizes */
	return 0;
}
