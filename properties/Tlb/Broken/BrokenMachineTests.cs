using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Impl.Tlb;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using MMSpec.Properties.Lockstep;
using MMSpec.Properties.Paging;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Tlb.Broken;

/// <summary>
/// Each deliberately broken machine, modelled on a real class of bug, must be caught by the lockstep properties
/// from a fixed seed (deterministic), within the cases recorded beside it, and the report must name the rule it breaks.
/// </summary>
public sealed class BrokenMachineTests(ITestOutputHelper output)
{
    public static TheoryData<string, bool, string, int> Variants => new()
    {
        { nameof(NoShootdown), true, TlbInvariants.Coherence, 4 },
        { nameof(NoShootdown), false, TlbInvariants.Coherence, 4 },
        { nameof(InvlpgKeepsGlobal), true, TlbLockstep.InstructionEffect, 12 },
        { nameof(Cr3DropsGlobal), false, TlbLockstep.InstructionEffect, 21 },
        { nameof(Cr3KeepsNonGlobal), false, TlbInvariants.Coherence, 1 },
        { nameof(NoFlushAfterMprotect), true, TlbLockstep.OnlyAllowedEntries, 10 },
        { nameof(NoFlushAfterMigration), true, TlbInvariants.Coherence, 3 },
        { nameof(NoFlushAfterMigration), false, TlbInvariants.Coherence, 3 },
        { nameof(FreesTableBeforeFlush), true, TlbInvariants.PagingStructureCoherence, 4 },
        { nameof(FreesTableBeforeFlush), false, TlbInvariants.PagingStructureCoherence, 4 },
        { nameof(InvpcidTakesPcid4096), true, TlbLockstep.SameResult, 11 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Broken_variant_is_caught_and_the_broken_rule_named(string variant, bool pcid, string rule,
        int casesAtSeed) =>
        BrokenVariant.AssertCaught(output,
            TlbSpecification.Lockstepped(PagingFormat.FourLevel, pcid, (format, layout, config) =>
                Create(variant, new WatchedPaging(new PagingSystem(format, new BuddyAllocator(layout))), config)),
            rule, casesAtSeed);

    internal static Machine Create(string variant, IPagingSystem paging, MachineConfig config)
    {
        ITlb Tlb(CpuId cpu) => new WatchedTlb(new SetAssociativeTlb(config.Sets, config.Ways, config.PdeEntries));
        return variant switch
        {
            nameof(NoShootdown) => new NoShootdown(paging, config, Tlb),
            nameof(InvlpgKeepsGlobal) => new InvlpgKeepsGlobal(paging, config, Tlb),
            nameof(Cr3DropsGlobal) => new Cr3DropsGlobal(paging, config, Tlb),
            nameof(Cr3KeepsNonGlobal) => new Cr3KeepsNonGlobal(paging, config, Tlb),
            nameof(NoFlushAfterMprotect) => new NoFlushAfterMprotect(paging, config, Tlb),
            nameof(NoFlushAfterMigration) => new NoFlushAfterMigration(paging, config, Tlb),
            nameof(FreesTableBeforeFlush) => new FreesTableBeforeFlush(paging, config, Tlb),
            nameof(InvpcidTakesPcid4096) => new InvpcidTakesPcid4096(paging, config, Tlb),
            _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "no such broken variant"),
        };
    }
}
