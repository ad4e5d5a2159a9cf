using QwenTts.Engine.Model;
using QwenTts.Miniature;

namespace QwenTts.Engine.UnitTests;

/// <summary>Wrong weights written into a built miniature's checkpoint, for the tests of what a card does when it disagrees with the export.</summary>
internal static class CheckpointEdits
{
    /// <summary>Adds <c>delta</c> to element <c>index</c> of each named tensor of the miniature in <paramref name="directory"/>.</summary>
    public static void Shift(string directory, params (string Tensor, int Index, float Delta)[] shifts)
    {
        var path = Path.Combine(directory, "hf", "model.safetensors");
        var file = SafetensorsFile.Open([path]);
        var tensors = file.Names.Select(n => (Name: n, Data: file.ReadFloats(n), file.Entry(n).Shape)).ToList();
        foreach (var (tensor, index, delta) in shifts)
        {
            tensors[tensors.FindIndex(t => t.Name == tensor)].Data[index] += delta;
        }

        SafetensorsWriter.Write(path, tensors);
    }
}
