using QwenTts.Audio.Codecs;

namespace QwenTts.Audio.Effects;

/// <summary>
/// Tempo and pitch through librubberband's real-time stretcher (mono, formants kept so a shifted voice stays a voice),
/// fed chunk by chunk as the audio is made. The stretcher's start delay is dropped and the end trimmed or padded, so the
/// output is exactly input / speed long and starts where the input did.
/// </summary>
public sealed unsafe class RubberBandStretcher : IDisposable
{
    private const int RealTime = 0x00000001;
    private const int ThreadingNever = 0x00010000;
    private const int FormantPreserved = 0x01000000;
    private const int PitchHighConsistency = 0x04000000;
    private const int EngineFiner = 0x20000000; // R3; 0 is R2, "faster"
    private const int Block = 1024;

    private static readonly Lazy<Api> Native = new(() => new Api(NativeCodec.Load("librubberband.so.2", "librubberband2")));
    private readonly Api _api;
    private readonly double _speed;
    private readonly float[] _block = new float[Block];
    private nint _state;
    private long _consumed;
    private long _produced;
    private int _toDrop;

    /// <param name="finer">R3, the better engine (the default); false: R2, cheaper (see the speech-controls benchmark).</param>
    public RubberBandStretcher(int sampleRate, double speed, double pitchSemitones, bool finer = true)
    {
        _api = Native.Value;
        _speed = speed;
        _state = _api.New((uint)sampleRate, 1, RealTime | ThreadingNever | FormantPreserved | PitchHighConsistency | (finer ? EngineFiner : 0),
            1.0 / speed, Math.Pow(2, pitchSemitones / 12.0));
        if (_state == 0)
        {
            throw new InvalidOperationException("rubberband_new failed");
        }

        _api.SetMaxProcessSize(_state, Block);
        // Silence of the preferred pad first, then the start delay dropped from the output: the first sample out is the first in.
        var pad = (int)_api.PreferredStartPad(_state);
        _toDrop = (int)_api.StartDelay(_state);
        for (var left = pad; left > 0; left -= Block)
        {
            Feed(new float[Math.Min(left, Block)], final: false, count: false);
        }
    }

    /// <summary>The stretched audio that is ready after <paramref name="input"/>; the rest comes with later calls or <see cref="Flush"/>.</summary>
    public float[] Process(ReadOnlySpan<float> input)
    {
        var output = new List<float>(input.Length * 2);
        for (var offset = 0; offset < input.Length; offset += Block)
        {
            Feed(input.Slice(offset, Math.Min(Block, input.Length - offset)), final: false, count: true);
            Drain(output);
        }

        return Trim(output, final: false);
    }

    /// <summary>The end of the audio: what the stretcher still holds, to exactly input / speed samples in all.</summary>
    public float[] Flush()
    {
        var output = new List<float>();
        Feed([], final: true, count: false);
        Drain(output);
        return Trim(output, final: true);
    }

    private void Feed(ReadOnlySpan<float> input, bool final, bool count)
    {
        input.CopyTo(_block);
        fixed (float* samples = _block)
        {
            var channels = stackalloc float*[1];
            channels[0] = samples;
            _api.Process(_state, channels, (uint)input.Length, final ? 1 : 0);
        }

        _consumed += count ? input.Length : 0;
    }

    private void Drain(List<float> output)
    {
        var channels = stackalloc float*[1];
        int available;
        while ((available = _api.Available(_state)) > 0)
        {
            var chunk = new float[available];
            fixed (float* samples = chunk)
            {
                channels[0] = samples;
                var got = (int)_api.Retrieve(_state, channels, (uint)available);
                var skip = Math.Min(_toDrop, got);
                _toDrop -= skip;
                for (var i = skip; i < got; i++)
                {
                    output.Add(chunk[i]);
                }
            }
        }
    }

    /// <summary>Keeps the total at input / speed: never more while streaming, padded with silence at the end if short.</summary>
    private float[] Trim(List<float> output, bool final)
    {
        var expected = (long)Math.Round(_consumed / _speed);
        var keep = (int)Math.Max(0, Math.Min(output.Count, expected - _produced));
        var length = final ? (int)Math.Max(0, expected - _produced) : keep;
        var result = new float[length];
        output.CopyTo(0, result, 0, Math.Min(keep, length));
        _produced += length;
        return result;
    }

    public void Dispose()
    {
        if (_state != 0)
        {
            _api.Delete(_state);
            _state = 0;
        }
    }

    private sealed class Api(nint lib)
    {
        public readonly delegate* unmanaged[Cdecl]<uint, uint, int, double, double, nint> New =
            (delegate* unmanaged[Cdecl]<uint, uint, int, double, double, nint>)NativeCodec.Export(lib, "rubberband_new");
        public readonly delegate* unmanaged[Cdecl]<nint, void> Delete = (delegate* unmanaged[Cdecl]<nint, void>)NativeCodec.Export(lib, "rubberband_delete");
        public readonly delegate* unmanaged[Cdecl]<nint, uint, void> SetMaxProcessSize =
            (delegate* unmanaged[Cdecl]<nint, uint, void>)NativeCodec.Export(lib, "rubberband_set_max_process_size");
        public readonly delegate* unmanaged[Cdecl]<nint, uint> PreferredStartPad = (delegate* unmanaged[Cdecl]<nint, uint>)NativeCodec.Export(lib, "rubberband_get_preferred_start_pad");
        public readonly delegate* unmanaged[Cdecl]<nint, uint> StartDelay = (delegate* unmanaged[Cdecl]<nint, uint>)NativeCodec.Export(lib, "rubberband_get_start_delay");
        public readonly delegate* unmanaged[Cdecl]<nint, float**, uint, int, void> Process =
            (delegate* unmanaged[Cdecl]<nint, float**, uint, int, void>)NativeCodec.Export(lib, "rubberband_process");
        public readonly delegate* unmanaged[Cdecl]<nint, int> Available = (delegate* unmanaged[Cdecl]<nint, int>)NativeCodec.Export(lib, "rubberband_available");
        public readonly delegate* unmanaged[Cdecl]<nint, float**, uint, uint> Retrieve =
            (delegate* unmanaged[Cdecl]<nint, float**, uint, uint>)NativeCodec.Export(lib, "rubberband_retrieve");
    }
}
