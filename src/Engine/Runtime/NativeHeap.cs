using System.Runtime.InteropServices;

namespace QwenTts.Engine.Runtime;

/// <summary>
/// Gives freed native heap back to the operating system. ONNX Runtime allocates an fp16 graph's weights anew in fp32 when
/// it folds their casts on the CPU; tensors under glibc's mmap threshold (32 MiB: a 2048 x 2048 projection is 16 MiB) come
/// from the heap, and glibc keeps what a released session frees unless asked: 5 GiB of a released fp16 talker stayed
/// resident on the 1.7B model until this.
/// </summary>
public static partial class NativeHeap
{
    public static void Trim()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not glibc (musl has no malloc_trim): the memory is reused by later allocations, only not returned.
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
