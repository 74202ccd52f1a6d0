using FsCheck;
using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.MemorySystem;
using MMSpec.Model.MemorySystem;
using MMSpec.Model.Reclaim;
using MMSpec.Properties.Lockstep;
using MMSpec.Properties.Oom.Broken;
using Xunit;
using Xunit.Abstractions;
using ComposedSystem = MMSpec.Model.MemorySystem.MemorySystem;

namespace MMSpec.Properties.MemorySystem.Broken;

/// <summary>
/// Broken parts put into the whole system, each caught by the whole system's safe rules from the fixed seed within
/// the cases recorded beside it: the kill storm MMF_OOM_SKIP prevents, a -1000 process killed, a shmem object's
/// swap slots leaking when its last holder exits. Each part cites what it re-enacts (BrokenOomKillers.cs,
/// BrokenWholeSystems.cs).
/// </summary>
public sealed class BrokenWholeSystemTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, Func<SystemConfig, IMemorySystem>> Systems = new()
    {
        [nameof(KillsPastThePendingVictim)] = config =>
            new ComposedSystem(config, SystemParts.Models(config) with { Oom = new KillsPastThePendingVictim() }),
        [nameof(KillsAtAdjMin)] = config =>
            new ComposedSystem(config, SystemParts.Models(config) with { Oom = new KillsAtAdjMin() }),
        [nameof(ShmemSwapLeaksOnRelease)] = config => new ComposedSystem(config,
            SystemParts.Models(config) with { Reclaim = new ShmemSwapLeaksOnRelease(config.Reclaim) }),
    };

    public static TheoryData<string, string, int> Variants => new()
    {
        { nameof(KillsPastThePendingVictim), SystemRules.OnePendingVictim, 4 },
        { nameof(KillsAtAdjMin), SystemRules.NeverKillsTheUnkillable, 5 },
        { nameof(ShmemSwapLeaksOnRelease), ReclaimInvariants.SwapCounts, 13 },
    };

    /// <summary>A whole system with the broken part <paramref name="variant"/>.</summary>
    public static IMemorySystem Create(string variant, SystemConfig config) => Systems[variant](config);

    [Theory]
    [MemberData(nameof(Variants))]
    public void Broken_variant_is_caught_and_the_broken_rule_named(string variant, string rule, int casesAtSeed) =>
        BrokenVariant.AssertCaught(output,
            SystemSafeSpecification.Lockstepped(Systems[variant], Level.Safe), rule, casesAtSeed);
}
