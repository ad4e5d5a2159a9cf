using System.Security.Cryptography;
using System.Text;

namespace QwenTts.Storage.Migrations;

/// <summary>One numbered schema step, e.g. <c>0002_orleans_persistence.sql</c>.</summary>
public sealed record Migration(int Version, string Name, string Sql)
{
    public string Checksum { get; } = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Sql.ReplaceLineEndings("\n"))));

    /// <summary>Parses "NNNN_name.sql" into version NNNN and name "name".</summary>
    public static Migration FromFile(string fileName, string sql)
    {
        var stem = Path.GetFileNameWithoutExtension(fileName);
        var separator = stem.IndexOf('_', StringComparison.Ordinal);
        if (separator <= 0 || !int.TryParse(stem[..separator], out var version))
        {
            throw new InvalidOperationException($"Migration file '{fileName}' must be named NNNN_name.sql.");
        }

        return new Migration(version, stem[(separator + 1)..], sql);
    }
}
