// class-transformer's @Type reads design-time metadata: make the file loadable on its own (tests, scripts).
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { OrgRef } from '../kernel/org-ref';
import { IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength, ValidateNested } from 'class-validator';
import { IsIsoDate } from '../../libs/common/iso-date.validator';

export const TRANSFER_TRIGGERS = ['manual', 'practice', 'firm_transfer', 'practice_cancelled'] as const;
export type TransferTrigger = (typeof TRANSFER_TRIGGERS)[number];

/** The letter received from a sender outside the registry (another province or another sector). */
export class ExternalSender {
  /** 开具介绍信的党组织（外省或外系统）. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  senderName: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  letterNo: string;

  @IsIsoDate()
  validUntil: string;
}

/** `POST /cases` input. */
export class TransferCreateInput {
  /**
   * Receiving org: the firm's branch, else its joint branch, else the city committee itself. It may lie
   * outside the opener's scope (a member moves to another county or city).
   */
  @IsUUID()
  @OrgRef('anywhere')
  toOrgId: string;

  /**
   * Sending org; defaults to the member's current org, and when given must be that org (the registry says
   * where a member's relation is: nobody names another organization as the one that releases them).
   * Not allowed with `external`.
   */
  @IsOptional()
  @IsUUID()
  @OrgRef('anywhere')
  fromOrgId?: string;

  /** Licensing application reference (执业/转所申请), for the licensing status sync. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  licensingRef?: string;

  @IsOptional()
  @IsIn(TRANSFER_TRIGGERS)
  trigger?: TransferTrigger;

  /** Cross-province / other-sector sender: the case starts at `acceptance_review`. */
  @IsOptional()
  @ValidateNested()
  @Type(() => ExternalSender)
  external?: ExternalSender;
}

/** The licensing system's approval; `approvedAt` is when it was approved there (a late notice keeps the rule's start). */
export class LicensingApprovedPayload {
  @IsOptional()
  @IsIsoDate({ time: 'required' })
  approvedAt?: string;
}

export class ReasonPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason: string;
}

export class IssueLetterPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  letterNo: string;

  /** Last day the letter is valid (ISO date). */
  @IsIsoDate()
  validUntil: string;
}

export class RecordReportPayload {
  /** Date the member reported to the receiving branch (ISO date). */
  @IsIsoDate()
  reportedOn: string;
}
