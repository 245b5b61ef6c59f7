/**
 * What becomes of one received station file: which station it belongs to, which of its lines are
 * stored, and why the others (or the whole file) are refused. Pure: the intake does the I/O.
 */
import { type FacilitiesFile, findStation, type ResolvedStation } from "./facilities.js";
import { type LineProblem, parseStationFile, parseStationFileName } from "./station-file.js";
import { type MappedValue, mapStationLines } from "./station-parameters.js";

export type FileJudgement =
  | {
      readonly outcome: "rejected";
      /** Vietnamese · English. */
      readonly reason: string;
      readonly resolved: ResolvedStation | undefined;
      readonly fileAt: number | null;
      readonly problems: readonly LineProblem[];
    }
  | {
      readonly outcome: "accepted" | "partial";
      readonly resolved: ResolvedStation;
      readonly fileAt: number;
      readonly values: readonly MappedValue[];
      readonly problems: readonly LineProblem[];
    };

export interface ReceivedFile {
  /** The file's name without folders. */
  readonly name: string;
  /** Its folders under the inbox, outermost first (the FTP account's, then the station's). */
  readonly folders: readonly string[];
  readonly text: string;
}

export const REJECTIONS = {
  badName: (name: string) =>
    `tên tệp không đúng mẫu <Tỉnh>_<Cơ sở>_<Trạm>_<yyyyMMddHHmmss>.txt: ${name} · the file name has neither form: ${name}`,
  unknownStation: (what: string) =>
    `không có trạm nào đã đăng ký cho ${what} · no registered station for ${what}`,
  otherProvince: (province: string) =>
    `tệp của tỉnh khác (${province}) · the file belongs to another province (${province})`,
  noGoodLine: "không có dòng số liệu hợp lệ · no valid line in the file",
  duplicate: (name: string) =>
    `tệp đã được nhận trước đó (${name}), không lưu lại · this file was received before (${name}); not stored again`,
  wrongAccount: (facility: string, folder: string) =>
    `tệp của cơ sở ${facility} không được gửi từ tài khoản FTP của cơ sở (thư mục ${folder}) · a file of facility ${facility} that did not come from its FTP account (folder ${folder})`,
  tooLarge: (bytes: number) => `tệp quá lớn (${bytes} byte) · the file is too large (${bytes} bytes)`,
} as const;

export function judgeStationFile(file: ReceivedFile, facilities: FacilitiesFile, now: number): FileJudgement {
  const name = parseStationFileName(file.name);
  if (!name) {
    return {
      outcome: "rejected",
      reason: REJECTIONS.badName(file.name),
      resolved: undefined,
      fileAt: null,
      problems: [],
    };
  }
  if (name.province !== null && name.province.toLowerCase() !== facilities.province.toLowerCase()) {
    return {
      outcome: "rejected",
      reason: REJECTIONS.otherProvince(name.province),
      resolved: undefined,
      fileAt: name.at,
      problems: [],
    };
  }
  const facility = facilities.facilities.find((f) => f.code.toLowerCase() === name.facility.toLowerCase());
  const account = facility?.ftpAccount?.toLowerCase();
  if (account !== undefined && file.folders[0]?.toLowerCase() !== account) {
    return {
      outcome: "rejected",
      reason: REJECTIONS.wrongAccount(name.facility, file.folders[0] ?? "/"),
      resolved: undefined,
      fileAt: name.at,
      problems: [],
    };
  }
  const stationFolder = (account === undefined ? file.folders[0] : file.folders[1]) ?? null;
  const resolved = findStation(facilities, name.facility, name.station, stationFolder);
  if (!resolved) {
    const what = name.station === null ? name.facility : `${name.facility}/${name.station}`;
    return {
      outcome: "rejected",
      reason: REJECTIONS.unknownStation(what),
      resolved: undefined,
      fileAt: name.at,
      problems: [],
    };
  }
  const parsed = parseStationFile(file.text, now);
  const mapped = mapStationLines(resolved.station, parsed.lines);
  const problems = [...parsed.problems, ...mapped.problems].sort((a, b) => a.line - b.line);
  if (mapped.values.length === 0) {
    return { outcome: "rejected", reason: REJECTIONS.noGoodLine, resolved, fileAt: name.at, problems };
  }
  return {
    outcome: problems.length === 0 ? "accepted" : "partial",
    resolved,
    fileAt: name.at,
    values: mapped.values,
    problems,
  };
}
