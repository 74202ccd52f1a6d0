using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.Core;

/// <summary>
/// Every paging and machine operation prints like the kernel call it stands for: what a failure's trace shows, one
/// call a line, and what a reader of a counterexample reads first. The texts are made when each case runs, not when
/// xunit discovers it (DisableDiscoveryEnumeration): made at discovery, under Stryker they were made before any mutant
/// was active, and 22 mutants of MachineOp's texts survived.
/// </summary>
public sealed class OpTextTests
{
    private static readonly AsId Mm = new(1);
    private static readonly CpuId Cpu = new(2);
    private static readonly VirtAddr Addr = new(0x7f00_0000_1000UL);

    public static TheoryData<string, string> PagingOps => new()
    {
        { new CreateAddressSpace().ToString(), "create_mm()" },
        { new DestroyAddressSpace(Mm).ToString(), "exit_mmap(mm1)" },
        { new Munmap(Mm, Addr, 3).ToString(), "munmap(mm1, 0x7f0000001000, 3 pages)" },
        { new Mprotect(Mm, Addr, 2, VmProt.Read).ToString(), "mprotect(mm1, 0x7f0000001000, 2 pages, r--)" },
        { new Brk(Mm, Addr).ToString(), "brk(mm1, 0x7f0000001000)" },
        { new MigratePage(Mm, Addr).ToString(), "migrate_page(mm1, 0x7f0000001000)" },
        { new AccessByte(Mm, Addr, Access.Write, Privilege.User, 0x2a).ToString(),
            "write(mm1, 0x7f0000001000, user, 0x2a)" },
        { new AccessByte(Mm, Addr, Access.Read, Privilege.Supervisor).ToString(),
            "read(mm1, 0x7f0000001000, supervisor)" },
        { new AccessByte(Mm, Addr, Access.Fetch, Privilege.User).ToString(), "fetch(mm1, 0x7f0000001000, user)" },
        { new Vmalloc(4).ToString(), "vmalloc(4 pages)" },
        { new Vfree(Addr).ToString(), "vfree(0x7f0000001000)" },
    };

    public static TheoryData<string, string> MachineOps => new()
    {
        { new MachineOp.Access(Cpu, Addr, Access.Write, Privilege.User, 7).ToString(),
            "write(cpu2, 0x7f0000001000, user, 0x7)" },
        { new MachineOp.Access(Cpu, Addr, Access.Read, Privilege.User).ToString(), "read(cpu2, 0x7f0000001000, user)" },
        { new MachineOp.CreateAddressSpace().ToString(), "create_mm()" },
        { new MachineOp.DestroyAddressSpace(Mm).ToString(), "exit_mmap(mm1)" },
        { new MachineOp.SwitchMm(Cpu, Mm).ToString(), "switch_mm(cpu2, mm1)" },
        { new MachineOp.Invlpg(Cpu, Addr).ToString(), "invlpg(cpu2, 0x7f0000001000)" },
        { new MachineOp.WriteCr3(Cpu, NoFlush: true).ToString(), "write_cr3(cpu2, noflush)" },
        { new MachineOp.WriteCr3(Cpu, NoFlush: false).ToString(), "write_cr3(cpu2)" },
        { new MachineOp.TogglePge(Cpu).ToString(), "toggle_pge(cpu2)" },
        { new MachineOp.Invpcid(Cpu, InvpcidType.SingleContext, new Pcid(5), Addr).ToString(),
            "invpcid(cpu2, type 1, pcid5, 0x7f0000001000)" },
        { new MachineOp.Munmap(Cpu, Addr, 3).ToString(), "munmap(cpu2, 0x7f0000001000, 3 pages)" },
        { new MachineOp.Mprotect(Cpu, Addr, 2, VmProt.Read).ToString(),
            "mprotect(cpu2, 0x7f0000001000, 2 pages, r--)" },
        { new MachineOp.Brk(Cpu, Addr).ToString(), "brk(cpu2, 0x7f0000001000)" },
        { new MachineOp.MigratePage(Cpu, Mm, Addr).ToString(), "migrate_page(cpu2, mm1, 0x7f0000001000)" },
        { new MachineOp.Vmalloc(4).ToString(), "vmalloc(4 pages)" },
        { new MachineOp.Vfree(Cpu, Addr).ToString(), "vfree(cpu2, 0x7f0000001000)" },
    };

    [Theory]
    [MemberData(nameof(PagingOps), DisableDiscoveryEnumeration = true)]
    public void A_paging_operation_prints_like_its_kernel_call(string printed, string expected) =>
        Assert.Equal(expected, printed);

    [Theory]
    [MemberData(nameof(MachineOps), DisableDiscoveryEnumeration = true)]
    public void A_machine_operation_prints_like_its_kernel_call(string printed, string expected) =>
        Assert.Equal(expected, printed);

    [Fact]
    public void Mmap_prints_its_request_after_the_address_space_or_cpu()
    {
        var anonymous = new MmapRequest(2, VmProt.Read | VmProt.Write, null, 0, false);
        Assert.Equal("mmap(mm1, 2 pages, rw-, MAP_PRIVATE|MAP_ANONYMOUS)", new Mmap(Mm, anonymous).ToString());
        var file = new MmapRequest(1, VmProt.Read | VmProt.Exec, 3, 4, true, Addr);
        Assert.Equal("mmap(cpu2, 0x7f0000001000, 1 pages, r-x, MAP_SHARED, file3@4)",
            new MachineOp.Mmap(Cpu, file).ToString());
    }
}
