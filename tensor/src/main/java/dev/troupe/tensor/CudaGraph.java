package dev.troupe.tensor;

import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.cuda.CUDAStream;
import org.bytedeco.pytorch.cuda.DeviceAssertionsDataVectorCUDAKernelLaunchInfoVectorPair;
import org.bytedeco.pytorch.cuda.MemPool;
import org.bytedeco.pytorch.cuda.StreamFilter;
import org.bytedeco.pytorch.global.torch_cuda;

/**
 * The kernels a piece of code launches on a GPU, recorded once and replayed with one launch: what
 * {@code torch.cuda.CUDAGraph} does. Replaying costs the host a few microseconds however many
 * kernels the code launched, so a decode step of hundreds of small kernels stops being bound by
 * launching them.
 *
 * <p>Written here because Bytedeco's presets map the pieces (the CUDA runtime's graph API, the
 * caching allocator's private pools) but not {@code at::cuda::CUDAGraph}; this follows its
 * capture_begin / capture_end / replay / reset. Rules as in PyTorch: the captured code reads and
 * writes tensors that exist before the capture (update them in place between replays) or that it
 * allocates itself (they live in the graph's private memory pool, so nothing outside can take their
 * memory while the graph exists); it must not synchronise with the host or copy from host memory;
 * shapes and pointers are frozen at capture.
 */
public final class CudaGraph implements AutoCloseable {
    /** Every pool id handed out (see {@link #capture}): never freed. */
    private static final java.util.List<DeviceAssertionsDataVectorCUDAKernelLaunchInfoVectorPair>
            POOL_HANDLES = new java.util.ArrayList<>();

    private final byte deviceIndex;
    private final DeviceAssertionsDataVectorCUDAKernelLaunchInfoVectorPair poolId;
    private final CUstream_st replayStream;
    private CUgraph_st graph;
    private CUgraphExec_st exec;

    private CudaGraph(
            byte deviceIndex,
            DeviceAssertionsDataVectorCUDAKernelLaunchInfoVectorPair poolId,
            CUstream_st replayStream,
            CUgraph_st graph,
            CUgraphExec_st exec) {
        this.deviceIndex = deviceIndex;
        this.poolId = poolId;
        this.replayStream = replayStream;
        this.graph = graph;
        this.exec = exec;
    }

    /**
     * Runs {@code body} once on a side stream (a warm-up: libraries set up their per-stream state,
     * e.g. cuBLAS workspaces, outside the capture), then records it. Recording runs no kernel:
     * replay to compute. {@code body} must give the same result run twice (it runs once more at
     * every replay).
     *
     * @throws IllegalStateException if the capture fails (e.g. {@code body} synchronises with the
     *     host); the device is left as it was, so the caller can run the code eagerly instead
     */
    public static CudaGraph capture(ComputeDevice device, Runnable body) {
        if (!device.isCuda()) {
            throw new IllegalArgumentException("CUDA graphs need a CUDA device, got " + device);
        }
        byte index = (byte) device.index();
        device.synchronize();
        CUDAStream previous = torch_cuda.getCurrentCUDAStream(index);
        CUDAStream side = torch_cuda.getStreamFromPool(false, index);
        CUstream_st captureStream = side.stream();
        long captureAddress = captureStream.address();
        // Allocations from the capture stream go to the graph's private pool (PyTorch's filter).
        StreamFilter onCaptureStream =
                new StreamFilter() {
                    @Override
                    public boolean call(Pointer stream) {
                        return stream != null && stream.address() == captureAddress;
                    }
                };
        DeviceAssertionsDataVectorCUDAKernelLaunchInfoVectorPair pool =
                MemPool.graph_pool_handle(false);
        // The presets give the pool id (a pair of two integers) the Java class of another pair
        // type, whose deallocator frees two vectors: freeing this handle would crash. It is
        // never freed (a few bytes per graph): held here, out of every scope and the GC's reach.
        pool.retainReference();
        synchronized (POOL_HANDLES) {
            POOL_HANDLES.add(pool);
        }
        torch_cuda.setCurrentCUDAStream(side);
        boolean capturing = false;
        boolean allocatingToPool = false;
        try {
            body.run();
            device.synchronize();
            torch_cuda.beginAllocateToPool(index, pool, onCaptureStream);
            allocatingToPool = true;
            // Thread-local mode: another thread's cudaMalloc (the learner's) does not break it.
            check(
                    cudart.cudaStreamBeginCapture(
                            captureStream, cudart.cudaStreamCaptureModeThreadLocal),
                    "begin capture");
            capturing = true;
            RuntimeException failure = null;
            try {
                body.run();
            } catch (RuntimeException e) {
                failure = e;
            }
            CUgraph_st g = new CUgraph_st();
            int ended = cudart.cudaStreamEndCapture(captureStream, g);
            capturing = false;
            if (failure != null || ended != cudart.cudaSuccess) {
                if (!g.isNull()) {
                    cudart.cudaGraphDestroy(g);
                }
                cudart.cudaGetLastError(); // clear the sticky capture error
                throw new IllegalStateException(
                        "CUDA graph capture failed"
                                + (failure != null
                                        ? ": " + failure.getMessage()
                                        : ": " + errorString(ended)),
                        failure);
            }
            torch_cuda.endAllocateToPool(index, pool);
            allocatingToPool = false;
            CUgraphExec_st e = new CUgraphExec_st();
            int instantiated = cudart.cudaGraphInstantiate(e, g, 0L);
            if (instantiated != cudart.cudaSuccess) {
                cudart.cudaGraphDestroy(g);
                throw new IllegalStateException(
                        "CUDA graph instantiation failed: " + errorString(instantiated));
            }
            return new CudaGraph(index, pool, previous.stream(), g, e);
        } catch (RuntimeException e) {
            torch_cuda.getAllocator().releasePool(index, pool);
            throw e;
        } finally {
            if (capturing) {
                CUgraph_st g = new CUgraph_st();
                cudart.cudaStreamEndCapture(captureStream, g);
                if (!g.isNull()) {
                    cudart.cudaGraphDestroy(g);
                }
                cudart.cudaGetLastError();
            }
            if (allocatingToPool) {
                torch_cuda.endAllocateToPool(index, pool);
            }
            torch_cuda.setCurrentCUDAStream(previous);
            onCaptureStream.close();
        }
    }

    /** Launches the recorded kernels on the stream that was current at capture. */
    public void replay() {
        if (exec == null) {
            throw new IllegalStateException("CUDA graph is closed");
        }
        check(cudart.cudaGraphLaunch(exec, replayStream), "replay");
    }

    /**
     * Frees the graph; its private pool's memory goes back to the caching allocator once the
     * tensors allocated in it are freed (as PyTorch's {@code CUDAGraph.reset}).
     */
    @Override
    public void close() {
        if (exec == null) {
            return;
        }
        // Replays may still be queued: they must finish before the graph and its memory go.
        cudart.cudaStreamSynchronize(replayStream);
        cudart.cudaGraphExecDestroy(exec);
        cudart.cudaGraphDestroy(graph);
        exec = null;
        graph = null;
        torch_cuda.getAllocator().releasePool(deviceIndex, poolId);
    }

    private static void check(int status, String what) {
        if (status != cudart.cudaSuccess) {
            throw new IllegalStateException("CUDA graph " + what + ": " + errorString(status));
        }
    }

    private static String errorString(int status) {
        return cudart.cudaGetErrorString(status).getString() + " (" + status + ")";
    }
}
