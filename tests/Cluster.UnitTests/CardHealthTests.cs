using Microsoft.Extensions.Time.Testing;
using QwenTts.Devices.Cards;
using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Cluster.UnitTests;

public sealed class CardHealthTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-11-28T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private CardHealth Health() => new(new CardHealthOptions { FailuresToOpen = 3, ProbeInterval = TimeSpan.FromSeconds(10), DegradedFor = TimeSpan.FromMinutes(1) }, _clock);

    [Fact]
    public void A_failure_degrades_three_in_a_row_open_the_circuit_and_only_a_passing_probe_closes_it()
    {
        var health = Health();
        Assert.Equal(DeviceHealth.Healthy, health.Current.State);

        health.Failed(CardFailureKind.Provider, "EP error");
        Assert.Equal(DeviceHealth.Degraded, health.Current.State);
        health.Succeeded();
        health.Failed(CardFailureKind.Timeout, "stalled");
        health.Failed(CardFailureKind.Error, "boom");
        Assert.Equal(DeviceHealth.Degraded, health.Current.State);
        health.Failed(CardFailureKind.Error, "boom");
        Assert.Equal(DeviceHealth.Unhealthy, health.Current.State);
        Assert.Contains("3 utterances failed in a row", health.Current.Reason, StringComparison.Ordinal);

        Assert.False(health.TryStartProbe());
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.True(health.TryStartProbe());
        health.ProbeFailed("still broken");
        Assert.Equal(DeviceHealth.Unhealthy, health.Current.State);
        Assert.Contains("probe failed: still broken", health.Current.Reason, StringComparison.Ordinal);

        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.True(health.TryStartProbe());
        health.ProbePassed();
        Assert.Equal(DeviceHealth.Healthy, health.Current.State);
        Assert.False(health.TryStartProbe());
    }

    [Fact]
    public void Non_finite_outputs_open_the_circuit_even_between_successes_and_a_degraded_card_recovers_with_time()
    {
        var health = Health();
        for (var i = 0; i < 3; i++)
        {
            health.Failed(CardFailureKind.NonFinite, "NaN in logits");
            health.Succeeded();
        }

        Assert.Equal(DeviceHealth.Unhealthy, health.Current.State);

        var other = Health();
        other.Failed(CardFailureKind.Error, "once");
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(DeviceHealth.Healthy, other.Current.State);
    }

    [Theory]
    [InlineData("OK", DeviceHealth.Healthy)]
    [InlineData("Warning", DeviceHealth.Degraded)]
    [InlineData("Alarm", DeviceHealth.Unhealthy)]
    [InlineData("Critical", DeviceHealth.Unhealthy)]
    [InlineData("Error: not listed by the vendor tool", DeviceHealth.Unhealthy)]
    public void The_vendor_tools_health_column_counts(string vendor, DeviceHealth expected)
    {
        var health = Health();
        health.Vendor(vendor);
        Assert.Equal(expected, health.Current.State);
    }

    [Fact]
    public void A_failed_self_test_is_unhealthy_for_good()
    {
        var health = new CardHealth(new CardHealthOptions(), _clock) { SelfTestProblem = "self-test failed: non-finite" };
        health.Succeeded();
        Assert.Equal((DeviceHealth.Unhealthy, "self-test failed: non-finite"), health.Current);
    }
}
