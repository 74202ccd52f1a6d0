using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using MMSpec.Properties.Tlb;
using MMSpec.Properties.Tlb.Broken;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Lockstep;

/// <summary>
/// An outside machine is checked through <see cref="IMachine"/> alone: wrapped so that the lockstep cannot see it is
/// MMSpec's <see cref="Machine"/>, the implementation's machine passes the TLB specification's property read whole
/// after every step, and a machine that skips the shootdown is caught the same way.
/// </summary>
public sealed class OpaqueMachineTests(ITestOutputHelper output)
{
    [Fact]
    public void A_machine_seen_only_through_its_contract_passes_the_specification() =>
        PropertyRunner.CheckFrom(output,
            TlbSpecification.Lockstepped(PagingFormat.FourLevel, pcid: true, (format, layout, config) =>
                new Opaque(TlbImplProperties.Watched(new PagingSystem(format, new BuddyAllocator(layout)), config))),
            8, BrokenVariant.Seed);

    [Fact]
    public void A_machine_seen_only_through_its_contract_that_skips_the_shootdown_is_caught() =>
        BrokenVariant.AssertCaught(output,
            TlbSpecification.Lockstepped(PagingFormat.FourLevel, pcid: true, (format, layout, config) =>
                new Opaque(BrokenMachineTests.Create(nameof(NoShootdown),
                    new PagingSystem(format, new BuddyAllocator(layout)), config))),
            TlbInvariants.Coherence, casesAtSeed: 4);

    /// <summary>Every call passed on; nothing but the contract visible.</summary>
    private sealed class Opaque(IMachine inner) : IMachine
    {
        public MachineConfig Config => inner.Config;

        public Result<byte> Access(CpuId cpu, VirtAddr addr, Access access, Privilege privilege, byte value) =>
            inner.Access(cpu, addr, access, privilege, value);

        public Result<AsId> CreateAddressSpace() => inner.CreateAddressSpace();

        public Result<Unit> DestroyAddressSpace(AsId mm) => inner.DestroyAddressSpace(mm);

        public Result<Unit> SwitchMm(CpuId cpu, AsId mm) => inner.SwitchMm(cpu, mm);

        public Result<Unit> Invlpg(CpuId cpu, VirtAddr addr) => inner.Invlpg(cpu, addr);

        public Result<Unit> WriteCr3(CpuId cpu, bool noFlush) => inner.WriteCr3(cpu, noFlush);

        public Result<Unit> TogglePge(CpuId cpu) => inner.TogglePge(cpu);

        public Result<Unit> Invpcid(CpuId cpu, InvpcidType type, Pcid pcid, VirtAddr addr) =>
            inner.Invpcid(cpu, type, pcid, addr);

        public Result<VirtAddr> Mmap(CpuId cpu, MmapRequest request) => inner.Mmap(cpu, request);

        public Result<Unit> Munmap(CpuId cpu, VirtAddr addr, ulong pages) => inner.Munmap(cpu, addr, pages);

        public Result<Unit> Mprotect(CpuId cpu, VirtAddr addr, ulong pages, VmProt prot) =>
            inner.Mprotect(cpu, addr, pages, prot);

        public Result<VirtAddr> Brk(CpuId cpu, VirtAddr newBrk) => inner.Brk(cpu, newBrk);

        public Result<Unit> MigratePage(CpuId cpu, AsId mm, VirtAddr addr) => inner.MigratePage(cpu, mm, addr);

        public Result<VirtAddr> Vmalloc(ulong pages) => inner.Vmalloc(pages);

        public Result<Unit> Vfree(CpuId cpu, VirtAddr addr) => inner.Vfree(cpu, addr);

        public MachineSnapshot Snapshot() => inner.Snapshot();
    }
}
