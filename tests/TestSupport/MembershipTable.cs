using Npgsql;

namespace QwenTts.TestSupport;

/// <summary>Reads the Orleans membership rows straight from PostgreSQL, as an operator would.</summary>
public static class MembershipTable
{
    public const int Active = 3;
    public const int Dead = 6;

    public sealed record Row(string SiloName, int Status)
    {
        public override string ToString() => $"{SiloName}:{Status}";
    }

    public static async Task<IReadOnlyList<Row>> ReadAsync(string connectionString, string clusterId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT silo_name, status FROM orleans_membership WHERE deployment_id = @cluster ORDER BY silo_name, start_time", connection);
        command.Parameters.AddWithValue("cluster", clusterId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Row>();
        while (await reader.ReadAsync())
        {
            rows.Add(new Row(reader.GetString(0), reader.GetInt32(1)));
        }

        return rows;
    }

    /// <summary>Names of the silos whose newest row is Active.</summary>
    public static async Task<string[]> ActiveSilosAsync(string connectionString, string clusterId) =>
        (await ReadAsync(connectionString, clusterId)).Where(r => r.Status == Active).Select(r => r.SiloName).Order().ToArray();
}
