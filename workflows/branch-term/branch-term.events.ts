import { IsUUID } from 'class-validator';
import { IsIsoDate } from '../../libs/common/iso-date.validator';

/** The secretary elected and the day of the election (the term runs from that day). */
export class BranchTermInput {
  @IsUUID()
  secretaryId: string;

  @IsIsoDate()
  electedOn: string;
}
