using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML.OnnxRuntime;

namespace QwenTts.Engine.Runtime;

/// <summary>
/// Appends the CANN execution provider. The managed ONNX Runtime binding has no CANN method, so this calls the C API
/// (OrtApi, ABI-stable and append-only) by the documented entries CreateCANNProviderOptions,
/// UpdateCANNProviderOptions, SessionOptionsAppendExecutionProvider_CANN and ReleaseCANNProviderOptions.
/// </summary>
internal static unsafe partial class CannProvider
{
    // Positions of the entries in the OrtApi function table (onnxruntime_c_api.h, since API version 13).
    internal const int GetErrorMessageIndex = 2;
    internal const int ReleaseStatusIndex = 93;
    internal const int AppendCannIndex = 220;
    internal const int CreateCannOptionsIndex = 221;
    internal const int UpdateCannOptionsIndex = 222;
    internal const int ReleaseCannOptionsIndex = 224;
    private const uint ApiVersion = 13;

    public static void Append(SessionOptions options, IReadOnlyDictionary<string, string> settings)
    {
        var api = GetApi();
        nint cannOptions = 0;
        Check(api, ((delegate* unmanaged<nint*, nint>)api[CreateCannOptionsIndex])(&cannOptions));
        try
        {
            var keys = settings.Keys.Select(Utf8).ToArray();
            var values = settings.Values.Select(Utf8).ToArray();
            try
            {
                fixed (nint* keyPointers = keys, valuePointers = values)
                {
                    Check(api, ((delegate* unmanaged<nint, nint*, nint*, nuint, nint>)api[UpdateCannOptionsIndex])(
                        cannOptions, keyPointers, valuePointers, (nuint)keys.Length));
                }
            }
            finally
            {
                foreach (var pointer in keys.Concat(values))
                {
                    Marshal.FreeHGlobal(pointer);
                }
            }

            Check(api, ((delegate* unmanaged<nint, nint, nint>)api[AppendCannIndex])(options.DangerousGetHandle(), cannOptions));
        }
        finally
        {
            ((delegate* unmanaged<nint, void>)api[ReleaseCannOptionsIndex])(cannOptions);
        }
    }

    private static nint* GetApi()
    {
        var apiBase = OrtGetApiBase();
        var getApi = (delegate* unmanaged<uint, nint*>)apiBase[0];
        var api = getApi(ApiVersion);
        return api is null ? throw new ExecutionProviderUnavailableException("The loaded ONNX Runtime does not offer C API version 13.") : api;
    }

    private static void Check(nint* api, nint status)
    {
        if (status == 0)
        {
            return;
        }

        var message = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint, nint>)api[GetErrorMessageIndex])(status));
        ((delegate* unmanaged<nint, void>)api[ReleaseStatusIndex])(status);
        throw new ExecutionProviderUnavailableException("ONNX Runtime refused the CANN execution provider: " + message);
    }

    private static nint Utf8(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text + "\0");
        var pointer = Marshal.AllocHGlobal(bytes.Length);
        Marshal.Copy(bytes, 0, pointer, bytes.Length);
        return pointer;
    }

    [LibraryImport("onnxruntime")]
    private static partial nint* OrtGetApiBase();
}
