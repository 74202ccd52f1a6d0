namespace MMSpec.Model.Reclaim;

/// <summary>
/// A zone's min, low and high watermarks in pages (zone->_watermark), for a zone of the whole machine.
/// </summary>
public readonly record struct ZoneWatermarks(ulong Min, ulong Low, ulong High)
{
    /// <summary>
    /// The marks of one NORMAL zone that is all of lowmem, as the whole system computes them
    /// (<see cref="MemorySystem.WatermarksModel"/>: calculate_min_free_kbytes, __setup_per_zone_wmarks with
    /// watermark_scale_factor 10).
    /// </summary>
    public static ZoneWatermarks For(ulong managedPages)
    {
        var normal = MemorySystem.WatermarksModel.NormalZone(managedPages);
        return new ZoneWatermarks(normal.Min, normal.Low, normal.High);
    }
}
