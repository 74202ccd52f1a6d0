using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.Oom;
using MMSpec.Model.Oom;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Oom.Broken;

/// <summary>
/// Each deliberately broken OOM killer (BrokenOomKillers.cs, each citing what it re-enacts) is caught from the fixed
/// seed within the cases recorded beside it, naming the rule it breaks: the safe rules alone where the bug breaks one.
/// </summary>
public sealed class BrokenOomTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, int, Level> Variants => new()
    {
        { nameof(UnsignedBadness), OomRules.VictimAsLinux, 4, Level.Safe | Level.Exact },
        { nameof(TiesToTheFirst), OomRules.VictimAsLinux, 36, Level.Safe | Level.Exact },
        { nameof(KillsPastThePendingVictim), OomRules.WaitsForThePendingVictim, 29, Level.Safe },
        { nameof(KillsAtAdjMin), OomRules.NeverKillsTheUnkillable, 23, Level.Safe },
        { nameof(BadnessOfRssOnly), OomRules.VictimAsLinux, 1, Level.Safe | Level.Exact },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Broken_variant_is_caught_and_the_broken_rule_named(string variant, string rule, int casesAtSeed,
        Level checks) =>
        BrokenVariant.AssertCaught(output, OomSafeSpecification.Holds(Create(variant), checks), rule, casesAtSeed);

    private static IOomKiller Create(string variant) => variant switch
    {
        nameof(UnsignedBadness) => new UnsignedBadness(),
        nameof(TiesToTheFirst) => new TiesToTheFirst(),
        nameof(KillsPastThePendingVictim) => new KillsPastThePendingVictim(),
        nameof(KillsAtAdjMin) => new KillsAtAdjMin(),
        nameof(BadnessOfRssOnly) => new BadnessOfRssOnly(),
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "no such broken OOM killer"),
    };
}
