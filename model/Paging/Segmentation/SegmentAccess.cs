namespace MMSpec.Model.Paging.Segmentation;

/// <summary>What the CPU does at the logical address: read data, write data, or fetch an instruction.</summary>
public enum SegmentAccess
{
    Read,
    Write,
    Fetch,
}
