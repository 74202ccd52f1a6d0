using System.Collections.Immutable;
using System.Text.Json.Serialization;
using MMSpec.Model.Core;

namespace MMSpec.Model.Buddy;

/// <summary>
/// The physical memory of one node: how many frames, where the zones start, which ranges are reserved.
/// Zones are DMA [0, Dma32Start), DMA32 [Dma32Start, NormalStart), Normal [NormalStart, FrameCount);
/// a zone whose span is empty does not exist (a small machine has only the zones it reaches).
/// </summary>
public sealed record MemoryLayout
{
    /// <summary>16 MiB: the end of ZONE_DMA on x86-64 (MAX_DMA_PFN).</summary>
    public static readonly Pfn DefaultDma32Start = new((16UL << 20) / Pfn.PageSize);

    /// <summary>4 GiB: the end of ZONE_DMA32 on x86-64 (MAX_DMA32_PFN).</summary>
    public static readonly Pfn DefaultNormalStart = new((4UL << 30) / Pfn.PageSize);

    /// <summary>More frames than this (2^30, 4 TiB) is outside what MMSpec simulates (pfns fit an int).</summary>
    public const ulong MaxFrames = 1UL << 30;

    public MemoryLayout(ulong frameCount, Pfn dma32Start, Pfn normalStart, IEnumerable<PfnRange> reserved)
    {
        if (frameCount is 0 or > MaxFrames)
        {
            throw new ArgumentOutOfRangeException(
                nameof(frameCount), frameCount, $"a layout has 1..{MaxFrames} frames");
        }

        if (dma32Start > normalStart)
        {
            throw new ArgumentException(
                $"DMA32 starts at {dma32Start}, after Normal at {normalStart}", nameof(dma32Start));
        }

        FrameCount = frameCount;
        Dma32Start = dma32Start;
        NormalStart = normalStart;
        Reserved = [.. reserved.Where(r => r.Start < r.End).OrderBy(r => r.Start)];
        for (var i = 0; i < Reserved.Length; i++)
        {
            if (Reserved[i].End.Value > frameCount || (i > 0 && Reserved[i].Start < Reserved[i - 1].End))
            {
                throw new ArgumentException(
                    $"reserved range {Reserved[i]} overlaps another or leaves the machine", nameof(reserved));
            }
        }

        Zones = [.. BuildZones()];
    }

    /// <summary>The same, for JSON: the reserved ranges as the property holds them.</summary>
    [JsonConstructor]
    private MemoryLayout(ulong frameCount, Pfn dma32Start, Pfn normalStart, ImmutableArray<PfnRange> reserved)
        : this(frameCount, dma32Start, normalStart, reserved.AsEnumerable())
    {
    }

    public ulong FrameCount { get; }

    public Pfn Dma32Start { get; }

    public Pfn NormalStart { get; }

    /// <summary>Reserved ranges, sorted and disjoint.</summary>
    public ImmutableArray<PfnRange> Reserved { get; }

    /// <summary>The zones that exist, lowest first.</summary>
    public ImmutableArray<Zone> Zones { get; }

    /// <summary>
    /// The real x86-64 boundaries; pfn 0 reserved, as the x86 boot code does (trim_low_memory_range).
    /// </summary>
    public static MemoryLayout X86(ulong frameCount) =>
        new(frameCount, DefaultDma32Start, DefaultNormalStart, [new PfnRange(new Pfn(0), new Pfn(1))]);

    /// <summary>Real zone boundaries and no reserved frame: every frame is managed by the buddy allocator.</summary>
    public static MemoryLayout Flat(ulong frameCount) => new(frameCount, DefaultDma32Start, DefaultNormalStart, []);

    public Zone? ZoneOf(Pfn pfn)
    {
        foreach (var zone in Zones)
        {
            if (zone.Contains(pfn))
            {
                return zone;
            }
        }

        return null;
    }

    /// <summary>Frames the buddy allocator manages (all but the reserved ones).</summary>
    public ulong ManagedFrames => FrameCount - Reserved.Aggregate(0UL, (sum, r) => sum + (r.End.Value - r.Start.Value));

    public bool Equals(MemoryLayout? other) =>
        other is not null && FrameCount == other.FrameCount && Dma32Start == other.Dma32Start
        && NormalStart == other.NormalStart && Reserved.SequenceEqual(other.Reserved);

    public override int GetHashCode() => HashCode.Combine(FrameCount, Dma32Start, NormalStart, Reserved.Length);

    public override string ToString() =>
        $"layout({FrameCount} frames; {string.Join("; ", Zones)}; "
        + $"reserved {(Reserved.IsEmpty ? "none" : string.Join(" ", Reserved))})";

    private IEnumerable<Zone> BuildZones()
    {
        var bounds = new[] { 0UL, Dma32Start.Value, NormalStart.Value, FrameCount };
        for (var i = 0; i < 3; i++)
        {
            var stop = Math.Min(bounds[i + 1], FrameCount);
            if (bounds[i] < stop)
            {
                yield return new Zone((ZoneType)i, new Pfn(bounds[i]), new Pfn(stop));
            }
        }
    }
}
