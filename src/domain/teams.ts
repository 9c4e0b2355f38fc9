/** A monday team as every interface shows it, with what it holds in seats. */
export interface TeamView {
  connectionId: string;
  accountName: string;
  id: string;
  name: string;
  isGuest: boolean;
  /** An identity provider manages it through SCIM; null when the connection cannot tell (no SCIM token). */
  scimManaged: boolean | null;
  members: number;
  owners: number;
  /** Members holding a paid seat (a member seat). */
  paidSeats: number;
  /** Of those, members inactive for the connection's threshold (`inactiveDays`). */
  inactivePaidSeats: number;
  inactiveDays: number;
}
