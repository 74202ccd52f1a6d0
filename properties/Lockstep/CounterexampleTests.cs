using System.Text.Json;
using MMSpec.Model.Buddy;
using MMSpec.Properties.Buddy.Broken;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Lockstep;

/// <summary>
/// A failing lockstep property writes its shrunk counterexample as a JSON trace that reads back as data.
/// </summary>
public sealed class CounterexampleTests(ITestOutputHelper output)
{
    [Fact]
    public void A_failure_writes_a_json_trace_with_its_rule_seed_and_operations_as_records()
    {
        var failure = Assert.Throws<PropertyFailedException>(() => PropertyRunner.CheckFrom(output,
            BuddySafeSpecification.Lockstepped(layout => new ExpandUpperHalf(layout), Level.Safe), 50,
            BrokenVariant.Seed));
        if (MutationProfile.Active)
        {
            // The profile neither shrinks nor replays a failure in full: the trace it writes has no calls to read.
            Assert.Contains("rule broken: ", failure.Message, StringComparison.Ordinal);
            return;
        }

        var line = failure.Message.Split('\n')
            .Single(l => l.StartsWith("counterexample (JSON trace): ", StringComparison.Ordinal));
        var path = line["counterexample (JSON trace): ".Length..].Trim();
        var json = File.ReadAllText(path);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal(BuddyRules.SnapshotsEqual, root.GetProperty("rule").GetString());
        var seed = root.GetProperty("seed").GetString()!;
        Assert.Contains($"MMSPEC_REPLAY=\"{seed},{root.GetProperty("gamma").GetString()}\"",
            root.GetProperty("replay").GetString(), StringComparison.Ordinal);
        var operations = Counterexample.Operations<BuddyOp>(json);
        var calls = root.GetProperty("calls").GetArrayLength();
        Assert.Equal(root.GetProperty("step").GetInt32() + 1, calls);
        Assert.InRange(operations.Count, 1, calls);
        Assert.All(root.GetProperty("operations").EnumerateArray(),
            op => Assert.Matches("^(alloc_pages|free_pages)$", op.GetProperty("op").GetString()));
    }
}
