namespace QwenTts.Grains.Interfaces.Robots;

/// <summary>
/// A tenant's chat robot: the tool, and its credentials as ciphertext (the frontend encrypts them before they reach
/// the grain; the silo and PostgreSQL only ever see protected bytes). <paramref name="Hint"/> is a harmless tail of
/// the token for operators to tell robots apart.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RobotBinding(
    [property: Id(0)] string Tool,
    [property: Id(1)] string ProtectedToken,
    [property: Id(2)] string? ProtectedSecret,
    [property: Id(3)] string Hint,
    [property: Id(4)] DateTimeOffset UpdatedAt);

/// <summary>Per-tenant robot configuration, keyed by tenant id, persisted in PostgreSQL.</summary>
public interface ITenantRobotsGrain : IGrainWithStringKey
{
    Task<RobotBinding[]> ListAsync();

    Task SetAsync(RobotBinding binding);

    /// <summary>False when the tenant had no robot of that tool.</summary>
    Task<bool> RemoveAsync(string tool);
}
