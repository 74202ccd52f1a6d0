using System.Text.Json;
using System.Text.Json.Serialization;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Model.Tlb;

/// <summary>A CPU of the machine, by number.</summary>
[JsonConverter(typeof(JsonScalarConverter<CpuId>))]
public readonly record struct CpuId(int Value) : IJsonScalar<CpuId>
{
    public static CpuId ReadJson(ref Utf8JsonReader reader) => new(reader.GetInt32());

    public void WriteJson(Utf8JsonWriter writer) => writer.WriteNumberValue(Value);

    public override string ToString() => $"cpu{Value}";
}

/// <summary>A process-context identifier: the low 12 bits of CR3 (0 when PCIDs are off).</summary>
[JsonConverter(typeof(JsonScalarConverter<Pcid>))]
public readonly record struct Pcid(int Value) : IJsonScalar<Pcid>
{
    public static Pcid ReadJson(ref Utf8JsonReader reader) => new(reader.GetInt32());

    public void WriteJson(Utf8JsonWriter writer) => writer.WriteNumberValue(Value);

    public const int Max = 4095;

    public override string ToString() => $"pcid{Value}";
}

/// <summary>
/// The machine: how many CPUs, whether CR4.PCIDE is on, each CPU's TLB (sets x ways, like a 64-entry 4-way L1
/// dTLB by default) and PDE cache (32 entries by default, like recent Intel cores').
/// </summary>
public sealed record MachineConfig(int Cpus, bool PcidEnabled, int Sets = 16, int Ways = 4, int PdeEntries = 32)
{
    public const int MaxCpus = 64;

    public override string ToString() =>
        $"{Cpus} CPUs, PCID {(PcidEnabled ? "on" : "off")}, TLB {Sets}x{Ways}, PDE cache {PdeEntries}";
}

/// <summary>A cached translation: tagged with a PCID unless global (then it matches in every PCID).</summary>
public readonly record struct TlbEntry(Pcid Pcid, ulong Vpn, Translation Translation, bool Global)
{
    public ulong Addr => Vpn << Pfn.PageShift;

    public override string ToString() => $"{(Global ? "global" : Pcid.ToString())} {Addr:x} -> {Translation}";
}

/// <summary>
/// A PDE-cache entry (SDM 4.10.3.1): in one PCID (never global), the page table that maps the 2 MiB region
/// starting at <see cref="Region"/> (4 MiB with 2-level paging), so a TLB miss there walks from it, skipping the upper
/// levels.
/// </summary>
public readonly record struct PdeCacheEntry(
    Pcid Pcid, [property: JsonConverter(typeof(AddressJsonConverter))] ulong Region, Pfn PageTable)
{
    public override string ToString() => $"{Pcid} {Region:x} page table {PageTable}";
}

/// <summary>
/// The four INVPCID types (Intel SDM): one address, one context, everything, everything but global entries.
/// </summary>
public enum InvpcidType
{
    IndividualAddress = 0,
    SingleContext = 1,
    AllIncludingGlobal = 2,
    AllExceptGlobal = 3,
}

/// <summary>An instruction the CPU refuses (#GP): a bad INVPCID, or a CPU number the machine does not have.</summary>
public sealed record InvalidInstruction(CpuId Cpu, string What) : MmError
{
    public override string Message => $"{Cpu}: {What}";
}

/// <summary>An access on a CPU that runs no address space (idle, after its address space was destroyed).</summary>
public sealed record NoAddressSpace(CpuId Cpu) : MmError
{
    public override string Message => $"{Cpu} runs no address space";
}
