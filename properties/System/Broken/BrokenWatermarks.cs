using System.Collections.Immutable;
using MMSpec.Model.MemorySystem;

namespace MMSpec.Properties.MemorySystem.Broken;

/// <summary>
/// The marks before 795ae7a0de6b ("mm: scale kswapd watermarks in proportion to memory", 4.6): low = min + min/4 and
/// high = min + min/2 whatever the zone's size, so on large machines kswapd woke too late and bursts fell into
/// direct reclaim ("thundering herds", the commit's words); watermark_scale_factor replaced the fixed quarter.
/// </summary>
public sealed class WatermarksBeforeScaleFactor : IWatermarks
{
    private readonly WatermarksModel _model = new();

    public WatermarkSetup Setup(IReadOnlyList<ulong> managed, ulong userMinFreeKbytes, int scaleFactor)
    {
        var setup = _model.Setup(managed, userMinFreeKbytes, scaleFactor);
        return setup with
        {
            Zones = [.. setup.Zones.Select(z => z with
            {
                Low = z.Min + (z.Min >> 2), High = z.Min + (z.Min >> 1), Promo = z.Min + (z.Min >> 1),
            })],
        };
    }

    public bool ZoneWatermarkOk(ulong freePages, IReadOnlyList<ulong> freeBlocksByOrder, int order, ulong mark,
        ulong lowmemReserve, AllocFlags flags) =>
        _model.ZoneWatermarkOk(freePages, freeBlocksByOrder, order, mark, lowmemReserve, flags);
}

/// <summary>
/// __zone_watermark_ok without the lowmem_reserve: a DMA32-or-NORMAL allocation may drain ZONE_DMA down to its min
/// mark, the starvation of the lower zones lowmem_reserve exists to stop (Documentation/admin-guide/sysctl/vm.rst,
/// lowmem_reserve_ratio; the protection a 2.6 kernel's zoneinfo already printed).
/// </summary>
public sealed class WatermarkWithoutLowmemReserve : IWatermarks
{
    private readonly WatermarksModel _model = new();

    public WatermarkSetup Setup(IReadOnlyList<ulong> managed, ulong userMinFreeKbytes, int scaleFactor) =>
        _model.Setup(managed, userMinFreeKbytes, scaleFactor);

    public bool ZoneWatermarkOk(ulong freePages, IReadOnlyList<ulong> freeBlocksByOrder, int order, ulong mark,
        ulong lowmemReserve, AllocFlags flags) =>
        _model.ZoneWatermarkOk(freePages, freeBlocksByOrder, order, mark, 0, flags);
}
