// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title PoolGovernor
/// @notice Governs one data pool: members (holders of its PoolShareToken) propose and vote; passed
/// proposals run through the pool's TimelockController, which is the only account the DataPool
/// takes governance calls from (trainer and algorithm approvals, prices, limits, buyers, key
/// holders, contributions). Quorum, voting delay, period and threshold change by proposal too.
/// @dev OpenZeppelin's Governor with settings, simple counting, votes, a quorum fraction and a
/// timelock, plus one rule: a vote weighs the *least* of the voter's shares at the block before
/// the proposal, at the proposal's snapshot, and now. Shares gained after a proposal was made do
/// not vote on it, and a member who left (burned their shares) no longer votes. A vote with no
/// weight reverts instead of being counted as zero.
contract PoolGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl
{
    mapping(uint256 proposalId => uint48 timepoint) private _proposedAt;

    /// @notice `account` has no voting power on `proposalId` (no shares before it was proposed, or none left).
    error PoolGovernorNoVotingPower(address account, uint256 proposalId);

    constructor(
        string memory name_,
        IVotes shareToken,
        TimelockController timelock_,
        uint48 votingDelay_,
        uint32 votingPeriod_,
        uint256 proposalThreshold_,
        uint256 quorumPercent
    )
        Governor(name_)
        GovernorSettings(votingDelay_, votingPeriod_, proposalThreshold_)
        GovernorVotes(shareToken)
        GovernorVotesQuorumFraction(quorumPercent)
        GovernorTimelockControl(timelock_)
    {}

    /// @notice The weight `account`'s vote on `proposalId` would have now: the least of its shares
    /// at the block before the proposal, at the snapshot and now (0 before the snapshot is final).
    function votingPower(uint256 proposalId, address account) public view returns (uint256) {
        uint256 snapshot = proposalSnapshot(proposalId);
        if (snapshot == 0 || snapshot >= clock()) return 0;
        return _laterVotes(proposalId, account, token().getPastVotes(account, snapshot));
    }

    /// @notice The block before `proposalId` was proposed: shares gained after it do not vote on it.
    function proposalEligibilityTimepoint(uint256 proposalId) public view returns (uint256) {
        uint48 proposedAt = _proposedAt[proposalId];
        return proposedAt == 0 ? 0 : proposedAt - 1;
    }

    function _laterVotes(uint256 proposalId, address account, uint256 atSnapshot) private view returns (uint256) {
        uint256 atProposal = token().getPastVotes(account, _proposedAt[proposalId] - 1);
        return Math.min(Math.min(atSnapshot, atProposal), token().getVotes(account));
    }

    function _propose(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        address proposer
    ) internal override returns (uint256 proposalId) {
        proposalId = super._propose(targets, values, calldatas, description, proposer);
        _proposedAt[proposalId] = clock();
    }

    function _countVote(uint256 proposalId, address account, uint8 support, uint256 totalWeight, bytes memory params)
        internal
        override(Governor, GovernorCountingSimple)
        returns (uint256)
    {
        uint256 weight = _laterVotes(proposalId, account, totalWeight);
        if (weight == 0) revert PoolGovernorNoVotingPower(account, proposalId);
        return super._countVote(proposalId, account, support, weight, params);
    }

    // Overrides Solidity requires for the combined extensions.

    function votingDelay() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingDelay();
    }

    function votingPeriod() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingPeriod();
    }

    function quorum(uint256 timepoint) public view override(Governor, GovernorVotesQuorumFraction) returns (uint256) {
        return super.quorum(timepoint);
    }

    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    function proposalNeedsQueuing(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (bool) {
        return super.proposalNeedsQueuing(proposalId);
    }

    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(address[] memory targets, uint256[] memory values, bytes[] memory calldatas, bytes32 descriptionHash)
        internal
        override(Governor, GovernorTimelockControl)
        returns (uint256)
    {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}
